import type { Feature } from './app/registry.ts';
import { documentsFeature } from './documents/feature.tsx';
import { homeFeature } from './home/feature.tsx';
import { messagesFeature } from './messages/feature.tsx';

/** The renderer's features, one line each, in sidebar order; the first is where the app starts. */
export const features: readonly Feature[] = [
  homeFeature,
  documentsFeature,
  messagesFeature,
];
