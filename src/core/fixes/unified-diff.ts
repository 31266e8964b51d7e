/**
 * A unified diff (`---`/`+++`, `@@` hunks, three lines of context) of two texts, line by line. Pure. Common lines at
 * both ends are skipped before the longest-common-subsequence step, so a config of thousands of lines with a few
 * edited keys costs little.
 */

type Op = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.at(-1) === '') out.pop();
  return out;
}

function diffOps(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const n = midA.length;
  const m = midB.length;
  if (n * m > 25_000_000) throw new Error('the change is too large to show as a diff');
  const table: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) table[i]![j] = midA[i] === midB[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  }
  const ops: Op[] = [];
  for (let i = 0; i < start; i += 1) ops.push({ kind: ' ', text: a[i]!, a: i, b: i });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && midA[i] === midB[j]) {
      ops.push({ kind: ' ', text: midA[i]!, a: start + i, b: start + j });
      i += 1;
      j += 1;
    } else if (i < n && (j === m || table[i + 1]![j]! >= table[i]![j + 1]!)) {
      ops.push({ kind: '-', text: midA[i]!, a: start + i, b: start + j });
      i += 1;
    } else {
      ops.push({ kind: '+', text: midB[j]!, a: start + i, b: start + j });
      j += 1;
    }
  }
  for (let k = 0; endA + k < a.length; k += 1) ops.push({ kind: ' ', text: a[endA + k]!, a: endA + k, b: endB + k });
  return ops;
}

/** The diff as lines; empty when the texts are equal. `show` masks each line before it is printed. */
export function unifiedDiff(
  names: { from: string; to: string },
  texts: { before: string; after: string },
  { show = (l: string) => l, context = 3 }: { show?: (line: string) => string; context?: number } = {},
): string[] {
  const { from: fromName, to: toName } = names;
  const { before, after } = texts;
  if (before === after) return [];
  const ops = diffOps(lines(before), lines(after));
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.kind === ' ') {
      k += 1;
      continue;
    }
    const from = Math.max(0, k - context);
    let end = k;
    // Extend the hunk while the next change is within 2×context lines.
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end += 1;
      let next = end;
      while (next < ops.length && ops[next]!.kind === ' ') next += 1;
      if (next < ops.length && next - end <= context * 2) end = next;
      else break;
    }
    const to = Math.min(ops.length, end + context);
    const hunk = ops.slice(from, to);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    const aStart = hunk[0]!.a + (aCount ? 1 : 0);
    const bStart = hunk[0]!.b + (bCount ? 1 : 0);
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const op of hunk) out.push(`${op.kind}${show(op.text)}`);
    k = to;
  }
  return out;
}
