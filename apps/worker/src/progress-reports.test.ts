import { ProgressReports, type ProgressReport } from './progress-reports';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const report = (progress: number): ProgressReport => ({ progress, message: `at ${progress}` });

function recorder() {
  const written: ProgressReport[][] = [];
  const write = async (batch: ProgressReport[]) => {
    written.push(batch);
  };
  return { written, write };
}

describe('ProgressReports', () => {
  test('a report is written once the hold has passed, with the ones that arrived meanwhile', async () => {
    const { written, write } = recorder();
    const reports = new ProgressReports(30, write);
    reports.add(report(10));
    reports.add(report(20));
    expect(written).toEqual([]);
    await sleep(80);
    expect(written).toEqual([[report(10), report(20)]]);
    expect(reports.take()).toEqual([]);
  });

  test('reports taken before the hold ends are the caller\'s: they are never written on their own', async () => {
    const { written, write } = recorder();
    const reports = new ProgressReports(30, write);
    reports.add(report(50));
    expect(reports.take()).toEqual([report(50)]);
    await sleep(80);
    await reports.drain();
    expect(written).toEqual([]);
  });

  test('a hold of 0 writes every report at once', () => {
    const { written, write } = recorder();
    const reports = new ProgressReports(0, write);
    reports.add(report(50));
    expect(written).toEqual([[report(50)]]);
    expect(reports.take()).toEqual([]);
  });

  test('drain writes what is waiting and resolves only after every write was answered', async () => {
    const order: string[] = [];
    const reports = new ProgressReports(10_000, async (batch) => {
      await sleep(20);
      order.push(`wrote ${batch.map((r) => r.progress).join(',')}`);
    });
    reports.add(report(30));
    reports.add(report(60));
    await reports.drain();
    order.push('drained');
    expect(order).toEqual(['wrote 30,60', 'drained']);
  });
});
