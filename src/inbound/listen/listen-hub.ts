import { ConflictError } from '../../core/errors.js';

/** What the hub needs of a connected session. */
export interface HubSession {
  readonly id: string;
  readonly destinationId: string;
  /** The outcome of `eventId` was recorded (by this process's outcome route): go on at once. */
  reported(eventId: string): void;
  /** Ends the session (the server is closing). */
  end(): void;
}

/**
 * The `hookd listen` sessions connected to this process: at most one per CLI destination (one
 * device on one source), so that a device's events go out in order. The outcome route tells the
 * session here that its event was recorded; a session on another process (PostgreSQL) learns it
 * from the store instead (see ListenSession).
 */
export class ListenHub {
  private readonly sessions = new Map<string, HubSession>();
  private readonly byDestination = new Map<string, HubSession>();

  /** `ConflictError` when the destination already has a session here. */
  add(session: HubSession): void {
    if (this.byDestination.has(session.destinationId))
      throw new ConflictError('another hookd listen session is connected with this name: give this one --name');
    this.sessions.set(session.id, session);
    this.byDestination.set(session.destinationId, session);
  }

  remove(session: HubSession): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.byDestination.delete(session.destinationId);
  }

  reported(sessionId: string, eventId: string): void {
    this.sessions.get(sessionId)?.reported(eventId);
  }

  endAll(): void {
    for (const session of [...this.sessions.values()]) session.end();
  }
}
