// Prisma CLI configuration (prisma generate / migrate status / migrate deploy).
// engine "js" runs Prisma's WebAssembly schema engine (shipped inside the `prisma` npm
// package) over the node-postgres driver adapter, so no native schema-engine binary has
// to be downloaded from Prisma's binary host. DATABASE_URL is read from the environment.
const { defineConfig } = require("prisma/config");
const { PrismaPg } = require("@prisma/adapter-pg");

module.exports = defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL });
  },
});
