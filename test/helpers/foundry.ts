/**
 * Foundry's executables (anvil, cast) from their npm packages (dev dependencies): `@foundry-rs/<tool>`
 * names, in its `const.mjs`, the platform package that holds the binary for this OS and CPU
 * (`@foundry-rs/<tool>-linux-amd64/bin/<tool>` on x64 Linux). Its `bin.mjs` wrapper (node_modules/.bin)
 * spawns that binary as a child; spawning the binary itself gives the tool's own pid, which a caller
 * can stop directly.
 */
import { createRequire } from 'node:module';

type Tool = 'anvil' | 'cast';

const require = createRequire(import.meta.url);

/** The absolute path of `tool`'s binary for this platform; throws naming the platform when there is none. */
export async function foundryBinary(tool: Tool): Promise<string> {
  const names = (await import(`@foundry-rs/${tool}/const.mjs`)) as { BINARY_NAME(tool: Tool): string; PLATFORM_SPECIFIC_PACKAGE_NAME(tool: Tool): string | undefined };
  const platformPackage = names.PLATFORM_SPECIFIC_PACKAGE_NAME(tool);
  if (platformPackage === undefined) throw new Error(`@foundry-rs/${tool} has no binary for ${process.platform} ${process.arch}`);
  return require.resolve(`${platformPackage}/bin/${names.BINARY_NAME(tool)}`);
}
