// Readiness probes shared by the api's and the chat's /readyz: each dependency answers within a bound, or says why not.

export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** "ok" when `f` resolves within 2 s, else `error: <first line of the reason>`. */
export async function probe(f: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(f(), 2_000);
    return 'ok';
  } catch (e) {
    return `error: ${(e as Error).message.split('\n')[0]}`;
  }
}
