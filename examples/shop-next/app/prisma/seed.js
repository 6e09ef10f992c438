// Seeds the Shop database: node prisma/seed.js [products] [orders]
// Deterministic: product i has sku SKU-0000i; every third order is paid.
const { prisma } = require("../lib/db");

async function main() {
  const products = Number(process.argv[2] || 50);
  const orders = Number(process.argv[3] || 500);
  if ((await prisma.product.count()) > 0) {
    console.log("seed: database already has products; nothing to do");
    return;
  }
  await prisma.product.createMany({
    data: Array.from({ length: products }, (_, i) => ({
      sku: `SKU-${String(i + 1).padStart(5, "0")}`,
      name: `Product ${i + 1}`,
      priceCents: 100 + ((i * 37) % 900),
    })),
  });
  const ids = (await prisma.product.findMany({ select: { id: true }, orderBy: { id: "asc" } })).map((p) => p.id);
  await prisma.order.createMany({
    data: Array.from({ length: orders }, (_, i) => ({
      productId: ids[i % ids.length],
      quantity: 1 + (i % 5),
      paid: i % 3 === 0,
    })),
  });
  console.log(`seed: ${products} products, ${orders} orders`);
}

main()
  .then(() => prisma.$disconnect())
  .catch(async (err) => {
    console.error(err);
    await prisma.$disconnect();
    process.exit(1);
  });
