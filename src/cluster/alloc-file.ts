/**
 * Reading a genesis alloc file (`--alloc FILE` of `dst create cluster`, `dst create definition` and
 * `dst execute`): a geth-style alloc JSON (./alloc.ts), at most `MAX_ALLOC_FILE_BYTES`. Every problem
 * is an `AllocError` naming the file.
 */
import { open } from 'node:fs/promises';
import { AllocError, MAX_ALLOC_FILE_BYTES, parseAlloc, type Alloc } from './alloc.js';

/** The parsed JSON value of `file` (checked to be a valid alloc), and the alloc it stands for. */
export async function readAllocFile(file: string): Promise<{ json: unknown; alloc: Alloc }> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_ALLOC_FILE_BYTES) throw new AllocError(`${file}: ${size} bytes, larger than the ${MAX_ALLOC_FILE_BYTES} an alloc file may have`);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof AllocError) throw error;
    throw new AllocError(`${file}: cannot read the alloc file: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AllocError(`${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  try {
    return { json, alloc: parseAlloc(json) };
  } catch (error) {
    throw new AllocError(`${file}: ${(error as Error).message}`, { cause: error });
  }
}
