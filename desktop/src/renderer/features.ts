import type { Feature } from './app/registry.ts';
import { directoryFeature } from './directory/feature.tsx';
import { documentsFeature } from './documents/feature.tsx';
import { homeFeature } from './home/feature.tsx';
import { messagesFeature } from './messages/feature.tsx';

/**
 * The renderer's features, one line each, in sidebar order; the first is where the app starts. 消息 first, as
 * 粤政易, 企业微信 and 钉钉 open on their messages: what a civil servant checks first, and the screen a start must show
 * soonest.
 */
export const features: readonly Feature[] = [
  messagesFeature,
  directoryFeature,
  homeFeature,
  documentsFeature,
];
