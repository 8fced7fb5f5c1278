import type { MessageHandler } from '../context';

export const onPreferencesGet: MessageHandler<'PREFERENCES_GET'> = async (ctx) => ({
  preferences: await ctx.deps.preferences.get(ctx.user.userId),
});

export const onPreferencesSet: MessageHandler<'PREFERENCES_SET'> = async (ctx, payload) => ({
  preferences: await ctx.deps.preferences.update(ctx.user.userId, payload.preferences),
});
