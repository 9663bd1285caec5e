import { sql } from 'kysely';
import type { DynamicDb } from '../db/dynamic-db.js';

/**
 * Keeps Aimeos' denormalised `mshop_product.instock` consistent after stock rows were written:
 * 1 when any stock row of the product (in the site) is unlimited (NULL) or above 0, else 0.
 * Aimeos does not touch `mtime` for this flag (research: aimeos.md §2, §6), so neither do we.
 */
export async function updateInstockFlags(tx: DynamicDb, siteid: string, prodids: readonly unknown[]): Promise<void> {
  const ids = [...new Set(prodids.filter((id) => id !== null && id !== undefined).map(String))];
  if (ids.length === 0) return;
  const { rows } = await sql<{ prodid: string; available: number | string | boolean }>`
    SELECT prodid, MAX(CASE WHEN stocklevel IS NULL OR stocklevel > 0 THEN 1 ELSE 0 END) AS available
      FROM mshop_stock WHERE siteid = ${siteid} AND prodid IN (${sql.join(ids)}) GROUP BY prodid`.execute(tx);
  const available = new Set(rows.filter((row) => Number(row.available) === 1).map((row) => String(row.prodid)));
  const inStock = ids.filter((id) => available.has(id));
  const outOfStock = ids.filter((id) => !available.has(id));
  if (inStock.length) {
    await sql`UPDATE mshop_product SET instock = 1 WHERE siteid = ${siteid} AND instock <> 1 AND id IN (${sql.join(inStock)})`.execute(tx);
  }
  if (outOfStock.length) {
    await sql`UPDATE mshop_product SET instock = 0 WHERE siteid = ${siteid} AND instock <> 0 AND id IN (${sql.join(outOfStock)})`.execute(tx);
  }
}
