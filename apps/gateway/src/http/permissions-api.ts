import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { ApprovalPermissionsPatchSchema, ProtocolError } from '@wfa/protocol';
import type { PermissionsStore } from '@wfa/store';

/** A user id as a token's `sub` carries it (auth.ts: 1-200 characters). */
const UserIdSchema = z.string().min(1).max(200);

/**
 * SPEC §6.10 for operators: each user's ApprovalPermissions, behind the admin role (like Bull Board).
 *   GET    /admin/permissions/:userId  → { userId, permissions, configured }
 *   PUT    /admin/permissions/:userId  body: a partial permissions object, merged → the same shape
 *   DELETE /admin/permissions/:userId  → back to the defaults
 * A plan takes its owner's permissions when it is drafted; a change applies to plans drafted after it.
 * Errors: `{ error: { code, message, details? } }` with 400 (invalid_message), 401/403, 503 (Redis down).
 */
export function permissionsApi(store: PermissionsStore, requireAdmin: RequestHandler): Router {
  const router = express.Router();
  router.use(requireAdmin);
  router.use(express.json({ limit: '16kb', strict: true }));
  const userIdOf = (raw: unknown): string => {
    const parsed = UserIdSchema.safeParse(raw);
    if (!parsed.success) throw new ProtocolError('invalid_message', 'the user id must be 1-200 characters (a token\'s sub)');
    return parsed.data;
  };
  router.get('/:userId', handle(async (req) => {
    const userId = userIdOf(req.params['userId']);
    return { userId, ...(await store.read(userId)) };
  }));
  router.put('/:userId', handle(async (req) => {
    const userId = userIdOf(req.params['userId']);
    if (req.body === undefined) throw new ProtocolError('invalid_message', 'send the body as JSON (Content-Type: application/json)');
    const patch = ApprovalPermissionsPatchSchema.safeParse(req.body);
    if (!patch.success) throw new ProtocolError('invalid_message', 'the body is not a (partial) ApprovalPermissions object', patch.error.issues);
    const permissions = await store.update(userId, patch.data);
    return { userId, permissions, configured: true };
  }));
  router.delete('/:userId', handle(async (req) => {
    const userId = userIdOf(req.params['userId']);
    await store.reset(userId);
    return { userId, ...(await store.read(userId)) };
  }));
  // Any other method or path: a JSON answer, not Express's HTML page.
  router.use((req, res) => {
    const known = /^\/[^/]+$/.test(req.path);
    res
      .status(known ? 405 : 404)
      .json({ error: { code: 'invalid_message', message: known ? `${req.method} is not supported here: GET, PUT or DELETE /admin/permissions/<userId>` : 'no such resource: GET, PUT or DELETE /admin/permissions/<userId>' } });
  });
  // express.json's own errors (a body that is not JSON, or too large), and a path it cannot decode.
  router.use(((err, _req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 400;
    const message =
      err?.type === 'entity.parse.failed'
        ? `the body is not JSON (${String(err.message)})`
        : err?.type === 'entity.too.large'
          ? 'the body is larger than 16 KB'
          : err instanceof URIError || /decode/i.test(String(err?.message))
            ? 'the path is not valid percent-encoding'
            : `the request could not be read (${String(err?.message ?? err)})`;
    res.status(status).json({ error: { code: 'invalid_message', message } });
  }) as express.ErrorRequestHandler);
  return router;
}

function handle(fn: (req: express.Request) => Promise<unknown>): RequestHandler {
  return (req, res) => {
    fn(req).then(
      (body) => res.json(body),
      (err: unknown) => {
        if (err instanceof ProtocolError) {
          res.status(err.code === 'invalid_message' ? 400 : err.code === 'unavailable' ? 503 : 409).json({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
          return;
        }
        res.status(503).json({ error: { code: 'unavailable', message: 'the permissions could not be read or written (is Redis up?); try again' } });
      },
    );
  };
}
