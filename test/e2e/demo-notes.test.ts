// The demo (stand-in Synapse 1.46.0, real pip and HTTP) walked in a dry run: the notes that no check can
// decide are asked one by one, so the demo reaches the note acknowledgement question at least once.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, test } from 'node:test';
import type { Question, WizardEvent } from '../../src/core/events.js';
import { startDemoSandbox } from '../../src/demo/sandbox.js';
import type { StandinInstall } from '../../src/demo/standin.js';
import { runWizard } from '../../src/engine/wizard.js';

let sandbox: StandinInstall | undefined;
after(async () => {
  await sandbox?.kill().catch(() => undefined);
  if (sandbox) await rm(sandbox.root, { recursive: true, force: true });
});

test('the demo asks about each note that needs judgement, one by one, with the note and what to do', { timeout: 300_000 }, async () => {
  const events: WizardEvent[] = [];
  const demo = await startDemoSandbox((e) => events.push(e));
  sandbox = demo.sandbox;
  const asked: Question[] = [];
  const ask = async <T extends string>(q: Question<T>): Promise<T> => {
    asked.push(q);
    return q.id.startsWith('note:')
      ? ('ack' as T)
      : q.id === 'confirm'
        ? (q.choices.find((c) => /stop|cancel|no/i.test(c.value))?.value ?? q.safeDefault ?? q.choices[0]!.value)
        : (q.safeDefault ?? q.choices[0]!.value);
  };
  const result = await runWizard({ yes: false, dryRun: true, pre: false, ...demo.options }, { emit: (e) => events.push(e), ask });
  const notes = asked.filter((q) => q.id.startsWith('note:'));
  assert.ok(notes.length >= 1, `asked: ${asked.map((q) => q.id).join(', ')}; result ${JSON.stringify(result).slice(0, 300)}`);
  const judged = notes.find((q) => q.id === 'note:v1-47-room-delete-admin-api-removed');
  assert.ok(judged, `the 1.47 judgement note is asked (asked: ${notes.map((q) => q.id).join(', ')})`);
  assert.match(judged.text, /^\[action, your judgement\] v1\.47\.0: /);
  assert.ok(judged.details?.some((d) => /No check can tell whether this applies/.test(d)));
  assert.ok(judged.details?.some((d) => /^What to do: /.test(d)));
  assert.deepEqual(
    judged.choices.map((c) => c.value),
    ['ack', 'stop'],
  );
  // Notes that were decided are not asked: none of the asked notes is a "no".
  const decided = events.flatMap((e) => (e.type === 'note' ? [e.note] : []));
  for (const q of notes) assert.notEqual(decided.find((n) => `note:${n.id}` === q.id)?.applies, 'no', q.id);
});
