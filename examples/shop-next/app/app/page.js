import { prisma } from "../lib/db";
import { VERSION } from "../lib/version";

export const dynamic = "force-dynamic";

export default async function Home() {
  const [products, orders] = await Promise.all([prisma.product.count(), prisma.order.count()]);
  return (
    <main>
      <h1>Welcome to Shop</h1>
      <p>
        Release {VERSION}: {products} products, {orders} orders.
      </p>
    </main>
  );
}
