import { prisma } from "../lib/db";
import { VERSION } from "../lib/version";
// v3 DELIBERATELY BREAKS `npm run build`: lib/banner.js was never committed, so the
// bundler fails with "Module not found" (rollback demo).
import { Banner } from "../lib/banner";

export const dynamic = "force-dynamic";

export default async function Home() {
  const [products, orders] = await Promise.all([prisma.product.count(), prisma.order.count()]);
  return (
    <main>
      <Banner />
      <h1>Welcome to Shop</h1>
      <p>
        Release {VERSION}: {products} products, {orders} orders.
      </p>
    </main>
  );
}
