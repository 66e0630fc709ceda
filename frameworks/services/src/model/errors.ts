/**
 * Marathon's error responses as values. The HTTP layer sends `status` and `body` as they are.
 *
 * - 400 `{"message":"Invalid JSON","details":"<parser message>"}`: the body is not JSON at all.
 * - 400 `{"message":"Please specify data in JSON format", …}`: the body is empty.
 * - 422 `{"message":"Invalid JSON","details":[{path, errors}]}`: JSON of the wrong shape (a string
 *   where a number belongs, a missing required field); errors are play-json's codes
 *   (`error.expected.jsstring`), which is what Marathon 1.5+ answers (its MarathonExceptionMapper
 *   maps a JsResultException whose details are all validation errors to 422).
 * - 422 `{"message":"Object is not valid","details":[{path, errors}]}`: well-formed values that
 *   break a rule (`cpus` below 0.001, an invalid id, …).
 * - 404, 409 as Marathon words them.
 *
 * Paths look like Marathon's: `/upgradeStrategy/minimumHealthCapacity`, `/healthChecks(0)/port`,
 * and `/` for rules about the whole object.
 */

export interface ErrorDetail {
  readonly path: string;
  readonly errors: readonly string[];
}

export interface ErrorBody {
  readonly message: string;
  readonly details?: readonly ErrorDetail[] | string;
  readonly deployments?: readonly { readonly id: string }[];
}

export interface ApiError {
  readonly status: 400 | 403 | 404 | 409 | 422;
  readonly body: ErrorBody;
}

/** One problem at one path. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** Groups issues by path (first-seen order), dropping repeated messages, as Marathon does. */
export function detailsOf(issues: readonly Issue[]): ErrorDetail[] {
  const byPath = new Map<string, string[]>();
  for (const { path, message } of issues) {
    const list = byPath.get(path) ?? [];
    if (!list.includes(message)) list.push(message);
    byPath.set(path, list);
  }
  return [...byPath].map(([path, errors]) => ({ path, errors }));
}

export function invalidJson(issues: readonly Issue[]): ApiError {
  return { status: 422, body: { message: 'Invalid JSON', details: detailsOf(issues) } };
}

export function objectNotValid(issues: readonly Issue[]): ApiError {
  return { status: 422, body: { message: 'Object is not valid', details: detailsOf(issues) } };
}

export function malformedJson(parserMessage: string): ApiError {
  return { status: 400, body: { message: 'Invalid JSON', details: parserMessage } };
}

export function emptyBody(): ApiError {
  return { status: 400, body: { message: 'Please specify data in JSON format', details: 'No content to map due to end-of-input' } };
}

export function appNotFound(id: string): ApiError {
  return { status: 404, body: { message: `App '${id}' does not exist` } };
}

export function groupNotFound(id: string): ApiError {
  return { status: 404, body: { message: `Group '${id}' does not exist` } };
}

export function appExists(id: string): ApiError {
  return { status: 409, body: { message: `An app with id [${id}] already exists.` } };
}

export function groupExists(id: string): ApiError {
  return { status: 409, body: { message: `A group with id ${id} already exists.` } };
}

/** 409 for a change touching apps that running deployments hold (unless `force`). */
export function appLocked(deploymentIds: readonly string[]): ApiError {
  return {
    status: 409,
    body: {
      message: "App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
      deployments: deploymentIds.map((id) => ({ id })),
    },
  };
}

/**
 * Parses a request body. Never throws: malformed text is the 400 value above; an empty body is
 * `emptyAs` when given (endpoints whose body is optional), else the 400 "Please specify…" value.
 */
export function parseJsonBody(text: string, emptyAs?: unknown): { ok: true; value: unknown } | { ok: false; error: ApiError } {
  if (text.trim() === '') return emptyAs === undefined ? { ok: false, error: emptyBody() } : { ok: true, value: emptyAs };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: malformedJson(e instanceof Error ? e.message : String(e)) };
  }
}
