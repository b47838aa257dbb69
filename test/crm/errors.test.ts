import { describe, expect, it } from 'vitest';
import {
  CrmAccessError, CrmAuthError, CrmBadRequestError, CrmMethodNotFoundError, CrmNotFoundError, CrmOperationLimitError,
  CrmRateLimitError, CrmUnavailableError, isTransient, provesNotProcessed, toCrmError,
} from '../../src/crm/errors.js';
import { encodeBatchParams, isNonIdempotent } from '../../src/crm/transport.js';

const base = { method: 'crm.deal.get', description: '' };

describe('portal answers → project errors', () => {
  it.each([
    [{ code: 'expired_token', status: 401 }, CrmAuthError],
    [{ code: 'NO_AUTH_FOUND', status: 401 }, CrmAuthError],
    [{ code: 'invalid_token', status: 401 }, CrmAuthError],
    [{ code: 'INVALID_CREDENTIALS', status: 403 }, CrmAccessError],
    [{ code: 'ACCESS_DENIED', status: 403 }, CrmAccessError],
    [{ code: 'insufficient_scope', status: 403 }, CrmAccessError],
    [{ code: 'ERROR_METHOD_NOT_FOUND', status: 404 }, CrmMethodNotFoundError],
    [{ code: 'QUERY_LIMIT_EXCEEDED', status: 503 }, CrmRateLimitError],
    [{ code: 'OPERATION_TIME_LIMIT', status: 429 }, CrmOperationLimitError],
    [{ code: 'INTERNAL_SERVER_ERROR', status: 500 }, CrmUnavailableError],
    [{ code: 'NETWORK_ERROR', status: 0 }, CrmUnavailableError],
    [{ code: 'NOT_FOUND', status: 400 }, CrmNotFoundError],
    [{ code: 'ERROR_ENTITY_NOT_FOUND', status: 400 }, CrmNotFoundError],
    [{ code: 'ERR_BAD_REQUEST', status: 400, description: 'Not found' }, CrmNotFoundError],
    [{ code: 'ERR_BAD_REQUEST', status: 400, description: 'Access denied' }, CrmAccessError],
    [{ code: 'ERR_BAD_REQUEST', status: 400, description: 'ID is not defined or invalid' }, CrmBadRequestError],
  ] as const)('%j → %o', (answer, expected) => {
    expect(toCrmError({ ...base, ...answer })).toBeInstanceOf(expected);
  });

  it('allows resending a write only when the failure proves it was not processed', () => {
    const limit = toCrmError({ ...base, code: 'QUERY_LIMIT_EXCEEDED', status: 503 });
    const broken = toCrmError({ ...base, code: 'INTERNAL_SERVER_ERROR', status: 500 });
    const timeout = toCrmError({ ...base, code: 'REQUEST_TIMEOUT', status: 408 });
    expect([provesNotProcessed(limit), isTransient(limit)]).toEqual([true, true]);
    expect([provesNotProcessed(broken), isTransient(broken)]).toEqual([false, true]);
    expect([provesNotProcessed(timeout), isTransient(timeout)]).toEqual([false, true]);
    expect(isTransient(toCrmError({ ...base, code: 'OVERLOAD_LIMIT', status: 503 }))).toBe(false);
  });

  it('never shows the webhook code in a message', () => {
    const err = toCrmError({ ...base, code: 'X', status: 500, description: 'failed at https://p.example/rest/1/s3cr3tcode42/crm.deal.get' });
    expect(err.message).not.toContain('s3cr3tcode42');
    expect(JSON.stringify(err)).not.toContain('s3cr3tcode42');
  });
});

describe('batch encoding and idempotency', () => {
  it('encodes sub-command params PHP-style, as the portal parses them', () => {
    expect(encodeBatchParams({ filter: { '>ID': '$result[p0][49][ID]', '@STAGE_ID': ['NEW', 'C1:NEW'] }, select: ['ID'], start: -1 }))
      .toBe('filter%5B%3EID%5D=%24result%5Bp0%5D%5B49%5D%5BID%5D&filter%5B%40STAGE_ID%5D%5B0%5D=NEW&filter%5B%40STAGE_ID%5D%5B1%5D=C1%3ANEW&select%5B0%5D=ID&start=-1');
    expect(encodeBatchParams({ a: null, b: undefined, c: true })).toBe('a=&c=true');
  });

  it('treats creating methods as non-idempotent', () => {
    for (const m of ['crm.deal.add', 'im.notify.system.add', 'tasks.task.add', 'crm.timeline.comment.add', 'imbot.v2.Chat.Message.send']) {
      expect(isNonIdempotent(m)).toBe(true);
    }
    for (const m of ['crm.deal.update', 'crm.deal.list', 'user.get', 'batch']) expect(isNonIdempotent(m)).toBe(false);
  });
});
