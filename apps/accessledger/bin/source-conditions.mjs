// A module resolution hook that adds the `@accessledger/source` export
// condition, so that workspace packages resolve to their TypeScript sources.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@accessledger/source')
    ? context.conditions
    : ['@accessledger/source', ...context.conditions];
  return nextResolve(specifier, { ...context, conditions });
}
