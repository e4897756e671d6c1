import { NotFoundError } from '../../core/errors.js';
import type { Message } from '../../core/types.js';
import type { MessageInput, MessageQuery, MessageStore, Page } from '../store.js';
import type { SqliteMessageWriter } from './message-writer.js';
import { beforeAfterCondition, messageFilterCondition } from './conditions.js';
import type { SqliteDb } from './database.js';
import { cursorCondition, planPage, toPage } from './paging.js';
import { type MessageRow, toMessage } from '../rows.js';

// Svix lets a message be addressed by its eventId too; the id wins when both match.
const SELECT_BY_REF = `SELECT * FROM messages WHERE app_id = @appId AND (id = @ref OR event_id = @ref)
  ORDER BY id = @ref DESC LIMIT 1`;

/** Messages: reads here; writes (with fan-out, in group commits) in `SqliteMessageWriter`. */
export class SqliteMessages implements MessageStore {
  constructor(
    private readonly db: SqliteDb,
    private readonly writer: SqliteMessageWriter,
  ) {}

  /** Joins the writer's next group commit. */
  create(input: MessageInput, now: number): Promise<{ message: Message; created: boolean }> {
    return this.writer.create(input, now);
  }

  /** By id, or by the eventId the sender gave it. */
  async get(appId: string, ref: string): Promise<Message | null> {
    const row = this.db.get<MessageRow>(SELECT_BY_REF, { appId, ref });
    return row ? toMessage(row) : null;
  }

  async list(appId: string, query: MessageQuery): Promise<Page<Message>> {
    const plan = planPage(query, 'descending');
    const params: unknown[] = [appId];
    const filters =
      messageFilterCondition('m', query, params) +
      beforeAfterCondition('m.created_at', query, params) +
      cursorCondition(plan, 'm.id', params);
    const sql = `SELECT * FROM messages m WHERE m.app_id = ?${filters} ORDER BY m.id ${plan.sql} LIMIT ?`;
    const rows = this.db.all<MessageRow>(sql, ...params, plan.fetch);
    return toPage(rows.map(toMessage), plan, (m) => m.id);
  }

  async expungeContent(appId: string, msgId: string): Promise<void> {
    const { changes } = this.db.run('UPDATE messages SET payload = NULL WHERE app_id = ? AND id = ?', appId, msgId);
    if (changes === 0) throw new NotFoundError('message');
  }
}
