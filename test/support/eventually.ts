/** Polls `check` every 20 ms until it holds; returns how long that took, or throws after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 1000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}
