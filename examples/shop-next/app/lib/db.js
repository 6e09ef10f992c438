// One Prisma Client per server process, over the node-postgres driver adapter.
const { PrismaClient } = require("@prisma/client");
const { PrismaPg } = require("@prisma/adapter-pg");

const globalForPrisma = globalThis;

function makeClient() {
  const adapter = new PrismaPg({ connectionString: process.env.DATABASE_URL });
  return new PrismaClient({ adapter });
}

const prisma = globalForPrisma.__shopPrisma || makeClient();
globalForPrisma.__shopPrisma = prisma;

module.exports = { prisma };
