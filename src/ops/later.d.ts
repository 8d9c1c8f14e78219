/** The part of @breejs/later (no bundled types) that the schedules use. */
declare module '@breejs/later' {
  interface LaterSchedule {
    schedules: Record<string, number[]>[];
    exceptions: Record<string, number[]>[];
    /** -1 when the whole text parsed; otherwise the position where parsing stopped. */
    error: number;
  }
  interface LaterCompiled {
    next(count: number, start?: Date | number, end?: Date | number): Date[] | Date | 0;
  }
  const later: {
    parse: { text(text: string): LaterSchedule };
    schedule(schedule: LaterSchedule): LaterCompiled;
    date: { UTC(): void; localTime(): void };
  };
  export default later;
  export type { LaterSchedule };
}
