import { gunzipSync } from 'node:zlib';

/**
 * One file out of a .tar.gz held in memory (an sdist from the package index): outside data, so every size is
 * bounded and nothing is written to disk. Returns undefined when no member matches.
 */
export interface TarLimits {
  /** The archive unpacked may not exceed this (a gzip bomb stops here). */
  maxUnpacked: number;
  /** The member read may not exceed this. */
  maxMember: number;
}

export const SDIST_LIMITS: TarLimits = { maxUnpacked: 512 * 1024 * 1024, maxMember: 4 * 1024 * 1024 };

const text = (block: Buffer, start: number, length: number): string => {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
};

const octal = (block: Buffer, start: number, length: number): number => {
  const field = text(block, start, length).trim();
  if (!/^[0-7]*$/.test(field)) throw new Error('the archive is damaged (a size field is not octal)');
  return field ? parseInt(field, 8) : 0;
};

/** A PAX `path=` record, when the extended header names the next member. */
function paxPath(data: Buffer): string | undefined {
  for (const record of data.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

export function readTarGzMember(archive: Buffer, wanted: (path: string) => boolean, limits: TarLimits = SDIST_LIMITS): Buffer | undefined {
  let tar: Buffer;
  try {
    tar = gunzipSync(archive, { maxOutputLength: limits.maxUnpacked });
  } catch (error) {
    throw new Error(`the archive could not be unpacked (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return undefined;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0x30);
    const dataStart = offset + 512;
    const next = dataStart + Math.ceil(size / 512) * 512;
    if (dataStart + size > tar.length) throw new Error('the archive is damaged (a member runs past its end)');
    const data = tar.subarray(dataStart, dataStart + size);
    if (type === 'x' || type === 'L') {
      longName = type === 'L' ? text(data, 0, data.length) : paxPath(data);
    } else {
      const prefix = text(header, 345, 155);
      const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
      longName = undefined;
      if ((type === '0' || type === '\0') && wanted(name)) {
        if (size > limits.maxMember) throw new Error(`${name} in the archive is larger than ${limits.maxMember} bytes`);
        return Buffer.from(data);
      }
    }
    offset = next;
  }
  return undefined;
}
