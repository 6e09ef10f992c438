/** @type {import('next').NextConfig} */
module.exports = {
  // The Prisma packages are loaded by Node at run time, not bundled.
  serverExternalPackages: ["@prisma/client", "@prisma/adapter-pg", "pg"],
  eslint: { ignoreDuringBuilds: true },
};
