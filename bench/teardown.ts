/** How both benches stop their fixtures: newest first, none allowed to keep the bench from ending. */

export async function stopFixtures(stops: readonly (() => Promise<void>)[], temp: { remove(): Promise<void> }, log: (message: string) => void, deadlineMs: number): Promise<void> {
  const withDeadline = (work: Promise<unknown>, what: string): Promise<unknown> =>
    Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, deadlineMs).unref()).then(() => log(`${what} did not stop within ${deadlineMs / 1000} s`))]);
  for (const [index, stop] of [...stops].reverse().entries()) {
    await withDeadline(stop(), `fixture ${index}`);
  }
  await withDeadline(temp.remove(), 'removing the temporary directory');
}
