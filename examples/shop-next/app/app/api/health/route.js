import { prisma } from "../../../lib/db";
import { VERSION } from "../../../lib/version";

export const dynamic = "force-dynamic";

// 200 {"status":"ok","version":...} when the database answers, 503 otherwise.
export async function GET() {
  try {
    await prisma.$queryRaw`SELECT 1`;
    return Response.json({ status: "ok", version: VERSION });
  } catch (err) {
    return Response.json({ status: "error", version: VERSION, error: String(err.message || err) }, { status: 503 });
  }
}
