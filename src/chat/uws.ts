// Loads uWebSockets.js (the @trufflesuite/uws-js-unofficial build) and makes sure the native addon is the one in
// use. The package's entry (src/uws.js) requires `binaries/uws_<platform>_<arch>_<abi>.node` and, when that fails
// or UWS_USE_FALLBACK is set, silently returns a much slower JavaScript implementation built on `ws` (it only
// prints a console warning). The chat process must never run on that fallback, so assertNativeUws() refuses it.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as UWS from 'uWebSockets.js';

export type Uws = typeof UWS;

const require = createRequire(import.meta.url);

export class NativeUwsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeUwsError';
  }
}

/** Where the package looks for its native binary on this platform, arch and Node ABI. */
export function nativeUwsBinaryPath(): string {
  const entry = require.resolve('uWebSockets.js'); // .../uWebSockets.js/src/uws.js
  return path.join(path.dirname(entry), '..', 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
}

/**
 * Functions of a native addon are V8 API functions, whose source text is `function App() { [native code] }`;
 * the fallback's are ordinary JavaScript functions. `SSLApp` is exported only by the addon.
 */
function isNativeFunction(f: unknown): boolean {
  return typeof f === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(f));
}

export function isNativeUws(mod: unknown): boolean {
  const m = mod as Partial<Record<string, unknown>> | null;
  return !!m && isNativeFunction(m.App) && isNativeFunction(m.SSLApp) && isNativeFunction(m.us_socket_local_port) && isNativeFunction(m.us_listen_socket_close);
}

/** Why the native binary is not in use (called only when it is not). */
function fallbackReason(binary: string): string {
  const flag = process.env.UWS_USE_FALLBACK;
  if (flag && ['true', 'True', 'TRUE', '1'].includes(flag)) return `UWS_USE_FALLBACK=${flag} forces the JavaScript fallback; unset it`;
  if (!fs.existsSync(binary)) {
    const dir = path.dirname(binary);
    const prefix = `uws_${process.platform}_${process.arch}_`;
    let abis: string[] = [];
    try {
      abis = fs
        .readdirSync(dir)
        .filter((f) => f.startsWith(prefix) && f.endsWith('.node'))
        .map((f) => f.slice(prefix.length, -'.node'.length));
    } catch {
      // the binaries folder itself is missing
    }
    return `there is no prebuilt binary ${path.basename(binary)} in ${dir} (binaries for ${process.platform}-${process.arch}: ${abis.length ? `ABI ${abis.join(', ')}` : 'none'}); use a Node.js version with one of those ABIs`;
  }
  try {
    // failed loads are not cached, so this repeats the package's own attempt and shows its error
    require(binary);
  } catch (e) {
    return `${binary} could not be loaded: ${(e as Error).message.split('\n')[0]}`;
  }
  return `the package returned its JavaScript fallback although ${binary} loads`;
}

let loaded: Uws | undefined;

/** The uWebSockets.js module exactly as the package's entry returns it (native addon or fallback). */
export function loadUws(): Uws {
  return (loaded ??= require('uWebSockets.js') as Uws);
}

/**
 * Loads uWebSockets.js and returns it when it is the native addon; otherwise throws a NativeUwsError naming the
 * platform, the Node ABI and the reason (fallback forced, no binary for this ABI, or the load error).
 */
export function assertNativeUws(): Uws {
  const binary = nativeUwsBinaryPath();
  let mod: Uws;
  try {
    mod = loadUws();
  } catch (e) {
    throw new NativeUwsError(`uWebSockets.js could not be loaded on ${process.platform}-${process.arch}, Node ${process.version} (ABI ${process.versions.modules}): ${(e as Error).message}`);
  }
  if (isNativeUws(mod)) return mod;
  throw new NativeUwsError(
    `uWebSockets.js is running its slow JavaScript fallback instead of the native binary on ${process.platform}-${process.arch}, ` +
      `Node ${process.version} (ABI ${process.versions.modules}): ${fallbackReason(binary)}`,
  );
}
