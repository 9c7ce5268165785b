/**
 * Compile-time checks of the API client's public types, run by `npm run typecheck` (every
 * `@ts-expect-error` fails the typecheck when the error it expects disappears). The runtime
 * test only keeps jest from complaining about an empty suite.
 */
import { RateLimiterRedis } from 'rate-limiter-flexible';
import {
  createEgnytePacer,
  egnytePasswordGrant,
  egnyteQuota,
  type EgnyteApi,
  type EgnyteApiClient,
  type EgnyteDirectoryUser,
  type EgnyteFolderListing,
  type EgnyteLimiterFactory,
  type EgnytePasswordGrant,
  type EgnyteQuota,
} from 'express-egnyte-auth';

async function typed(redisClient: object, api: EgnyteApi, client: EgnyteApiClient): Promise<void> {
  const limiter: EgnyteLimiterFactory = (options) => new RateLimiterRedis({ storeClient: redisClient, useRedisPackage: true, ...options });
  const pacer = createEgnytePacer({ limiter, perSecond: 2, perDay: 1000, apiWaitMs: 10_000 });
  const grant: EgnytePasswordGrant = await egnytePasswordGrant({ domain: 'acme', clientId: 'k', username: 'u', password: 'p', pacer });
  const accessToken: string = grant.tokens.accessToken;
  const expiresAt: number | undefined = grant.tokens.expiresAt;
  // @ts-expect-error -- password is required
  void egnytePasswordGrant({ domain: 'acme', clientId: 'k', username: 'u' });
  // @ts-expect-error -- scope is a string or a list of strings
  void egnytePasswordGrant({ domain: 'acme', clientId: 'k', username: 'u', password: 'p', scope: 1 });

  const me = await api.get<{ username: string }>('/pubapi/v1/userinfo');
  const name: string = me.username;
  const unknownAnswer: unknown = await api.get('/pubapi/v1/userinfo');
  const user: EgnyteDirectoryUser = await api.userById(121);
  const folder: EgnyteFolderListing = await api.listFolder('/Shared');
  const size: number | undefined = folder.files[0]?.size;
  // @ts-expect-error -- userById takes the numeric id
  void api.userById('121');

  const response: Response = await client.fetch('/pubapi/v1/fs/Shared', { method: 'GET' });
  const quota: EgnyteQuota | undefined = client.quota ?? egnyteQuota(response);
  const perSecondLeft: number | undefined = quota?.qps?.allotted;
  // @ts-expect-error -- the quota is read-only on the client
  client.quota = undefined;
  void [accessToken, expiresAt, name, unknownAnswer, user, size, perSecondLeft];
}

test('API client types compile (checked by npm run typecheck)', () => {
  expect(typeof typed).toBe('function');
});
