-- AlterTable: every product keeps its row, existing products start with stock 0.
-- (No semicolon inside comments: the WebAssembly schema engine over the driver adapter
-- splits the script at every semicolon, comments included.)
ALTER TABLE "product" ADD COLUMN "stock" INTEGER NOT NULL DEFAULT 0;
