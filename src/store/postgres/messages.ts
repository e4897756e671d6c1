import { NotFoundError } from '../../core/errors.js';
import type { Message } from '../../core/types.js';
import type { MessageInput, MessageQuery, MessageStore, Page } from '../store.js';
import type { PgMessageWriter } from './message-writer.js';
import { beforeAfterCondition, messageFilterCondition } from './conditions.js';
import type { PgDb } from './database.js';
import { cursorCondition, planPage, toPage } from './paging.js';
import { type MessageRow, toMessage } from '../rows.js';
import { SqlParams } from './sql-params.js';

// Svix lets a message be addressed by its eventId too; the id wins when both match.
const SELECT_BY_REF = `SELECT * FROM messages WHERE app_id = $1 AND (id = $2 OR event_id = $2)
  ORDER BY id = $2 DESC LIMIT 1`;

/** Reading messages. Writing them (with fan-out, in group commits) is `PgMessageWriter`. */
export class PgMessages implements MessageStore {
  constructor(
    private readonly db: PgDb,
    private readonly writer: PgMessageWriter,
  ) {}

  /** Joins the writer's next group commit. */
  create(input: MessageInput, now: number): Promise<{ message: Message; created: boolean }> {
    return this.writer.create(input, now);
  }

  /** By id, or by the eventId the sender gave it. */
  async get(appId: string, ref: string): Promise<Message | null> {
    const row = await this.db.get<MessageRow>(SELECT_BY_REF, [appId, ref]);
    return row ? toMessage(row) : null;
  }

  async list(appId: string, query: MessageQuery): Promise<Page<Message>> {
    const plan = planPage(query, 'descending');
    const params = new SqlParams(appId);
    const filters =
      messageFilterCondition('m', query, params) +
      beforeAfterCondition('m.created_at', query, params) +
      cursorCondition(plan, 'm.id', params);
    const sql = `SELECT * FROM messages m WHERE m.app_id = $1${filters}
      ORDER BY m.id ${plan.sql} LIMIT ${params.add(plan.fetch)}`;
    const rows = await this.db.all<MessageRow>(sql, params.values);
    return toPage(rows.map(toMessage), plan, (m) => m.id);
  }

  async expungeContent(appId: string, msgId: string): Promise<void> {
    const changed = await this.db.run('UPDATE messages SET payload = NULL WHERE app_id = $1 AND id = $2', [appId, msgId]);
    if (changed === 0) throw new NotFoundError('message');
  }
}
