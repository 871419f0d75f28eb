/** A tiny path router: patterns like `sobjects/:type/:id`, matched segment by segment. */
export interface Route<Handler> {
  readonly methods: readonly string[];
  readonly pattern: string;
  readonly handler: Handler;
}

export type RouteMatch<Handler> =
  | { readonly kind: 'found'; readonly handler: Handler; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

function matchPattern(pattern: string, path: string): Record<string, string> | undefined {
  const patternParts = pattern.split('/').filter((part) => part !== '');
  const pathParts = path.split('/').filter((part) => part !== '');
  if (patternParts.length !== pathParts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of patternParts.entries()) {
    const value = pathParts[index] as string;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part.toLowerCase() !== value.toLowerCase()) return undefined;
  }
  return params;
}

export class Router<Handler> {
  private readonly routes: Route<Handler>[] = [];

  add(methods: readonly string[], pattern: string, handler: Handler): this {
    this.routes.push({ methods, pattern, handler });
    return this;
  }

  /** Literal segments win over parameters because routes are tried in the order they were added. */
  match(method: string, path: string): RouteMatch<Handler> {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchPattern(route.pattern, path);
      if (params === undefined) continue;
      const methods = route.methods.includes('GET') ? [...route.methods, 'HEAD'] : route.methods;
      if (methods.includes(method)) return { kind: 'found', handler: route.handler, params };
      allowed.push(...methods);
    }
    if (allowed.length > 0) return { kind: 'method-not-allowed', allowed: [...new Set(allowed)] };
    return { kind: 'not-found' };
  }
}
