import { NotFoundError } from '../../core/errors.js';
import type { Message } from '../../core/types.js';
import { type MessageRow, toMessage } from '../rows.js';
import type {
  DeadLetter,
  DeadLetterQuery,
  MessageInput,
  MessageQuery,
  MessageStore,
  Page,
  PageQuery,
} from '../store.js';
import { listDeadLettersSql } from './dead-letters.js';
import { beforeAfterCondition, messageFilterCondition } from './conditions.js';
import { pageTail, planPage, toPage } from './paging.js';
import { join, sql, type SqlExecutor } from './sql.js';

/** What writes messages: each backend's hand-written writer (fan-out, group commits), on the hot path. */
export type MessageWriter = Pick<MessageStore, 'create'>;

/** Messages: reads here, written once for both backends; writes by the backend's `MessageWriter`. */
export class SqlMessages implements MessageStore {
  constructor(
    private readonly db: SqlExecutor,
    private readonly writer: MessageWriter,
  ) {}

  /** Joins the writer's next group commit. */
  create(input: MessageInput, now: number): Promise<{ message: Message; created: boolean }> {
    return this.writer.create(input, now);
  }

  /** By id, or by the eventId the sender gave it (as in Svix); the id wins when both match. */
  async get(appId: string, ref: string): Promise<Message | null> {
    const row = await this.db.get<MessageRow>(
      sql`SELECT * FROM messages WHERE app_id = ${appId} AND (id = ${ref} OR event_id = ${ref})
        ORDER BY id = ${ref} DESC LIMIT 1`,
    );
    return row ? toMessage(row) : null;
  }

  async list(appId: string, query: MessageQuery): Promise<Page<Message>> {
    const plan = planPage(query, 'descending');
    const filters = join(
      [messageFilterCondition(this.db.dialect, 'm', query), beforeAfterCondition('m.created_at', query)],
      '',
    );
    const rows = await this.db.all<MessageRow>(
      sql`SELECT * FROM messages m WHERE m.app_id = ${appId}${filters}${pageTail(plan, 'm.id')}`,
    );
    return toPage(rows.map(toMessage), plan, (m) => m.id);
  }

  /** Clears the payload; the message, deliveries and attempts stay. */
  async expungeContent(appId: string, msgId: string): Promise<void> {
    const changed = await this.db.run(
      sql`UPDATE messages SET payload = NULL WHERE app_id = ${appId} AND id = ${msgId}`,
    );
    if (changed === 0) throw new NotFoundError('message');
  }

  listDeadLetters(query: DeadLetterQuery & PageQuery): Promise<Page<DeadLetter>> {
    return listDeadLettersSql(this.db, query);
  }
}
