import { afterEach, describe, expect, it } from 'vitest';
import { notificationId } from '../../src/outbox/index.js';
import { botTexts, createHarness, type Harness, intent } from './support.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const quietRules = { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5], quietStart: '20:00', quietEnd: '09:00', holidays: [] };

describe('working hours', () => {
  it('holds a message through quiet hours and delivers it when the window opens; urgent kinds go at once', async () => {
    // Wednesday 2026-03-04, 08:59:58.5 in Moscow (UTC+3): 1.5 s of quiet hours left. The fake clock runs at real speed.
    const fakeStart = Date.parse('2026-03-04T05:59:58.500Z');
    const realStart = Date.now();
    const clock = () => new Date(fakeStart + (Date.now() - realStart));
    harness = await createHarness({ clock, settings: { workingHours: quietRules, urgentKinds: ['lead.hot'] } });
    const { outbox, sandbox } = harness;
    const chats = await harness.addLinkedUsers(2, 6000);
    await outbox.enqueue(intent(6000, 1));
    await outbox.enqueue(intent(6001, 2, { kind: 'lead.hot' }));
    expect(await outbox.queue.getJobState(notificationId(6000, 'lead.new:lead:1'))).toBe('delayed');
    const worker = outbox.startWorker();
    const urgent = await sandbox.waitForMessage(chats.get(6001)!, { textIncludes: '#2' }, 10_000);
    const held = await sandbox.waitForMessage(chats.get(6000)!, { textIncludes: '#1' }, 10_000);
    const fakeAt = (realAt: number) => fakeStart + (realAt - realStart);
    const nineOClock = Date.parse('2026-03-04T06:00:00.000Z');
    expect(fakeAt(urgent.at)).toBeLessThan(nineOClock);
    expect(fakeAt(held.at)).toBeGreaterThanOrEqual(nineOClock);
    await worker.close(5000);
  });

  it("waits for the recipient's own quiet hours and for notBefore", async () => {
    // Saturday 2026-03-07 12:00 Moscow: a day off by the rules file.
    const fakeNow = Date.parse('2026-03-07T09:00:00.000Z');
    const realStart = Date.now();
    const clock = () => new Date(fakeNow + (Date.now() - realStart));
    harness = await createHarness({ clock, settings: { workingHours: quietRules } });
    const { outbox, identity, sandbox } = harness;
    const chats = await harness.addLinkedUsers(3, 6100);
    await identity.setPreferences(6101, { weekendsOff: false });
    await identity.setPreferences(6102, { weekendsOff: false });
    await outbox.enqueueMany([
      intent(6100, 1),
      intent(6101, 2),
      intent(6102, 3, { notBefore: new Date(fakeNow + 60 * 60_000) }),
    ]);
    const worker = outbox.startWorker();
    await sandbox.waitForMessage(chats.get(6101)!, { textIncludes: '#2' }, 10_000);
    const weekend = await outbox.queue.getJob(notificationId(6100, 'lead.new:lead:1'));
    const later = await outbox.queue.getJob(notificationId(6102, 'lead.new:lead:3'));
    expect(await weekend!.getState()).toBe('delayed');
    // Monday 09:00 Moscow is 45 hours away; notBefore is one hour away.
    expect(weekend!.delay).toBeGreaterThan(44 * 3600_000);
    expect(weekend!.delay).toBeLessThanOrEqual(45 * 3600_000);
    expect(later!.delay).toBeGreaterThan(59 * 60_000);
    expect(botTexts(sandbox, chats.get(6100)!)).toHaveLength(0);
    await worker.close(5000);
  });
});
