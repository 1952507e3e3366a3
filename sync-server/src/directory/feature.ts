import { directoryApi } from '@govdesk/shared';
import type { Feature } from '../feature.ts';

/** The organisation directory as the caller sees it (GET /api/directory/me). */
export const directoryFeature: Feature = {
  name: 'directory',
  setup({ api, directory }) {
    api.serve(directoryApi, {
      me: async ({ principal }) => {
        const person = directory.person(principal.userId);
        return { person, units: person.class === 'civil_servant' ? directory.unitChain(person.unitId) : [] };
      },
    });
  },
};
