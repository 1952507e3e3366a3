import { DIRECTORY_QUERY_MAX, DIRECTORY_RESULTS_MAX, directoryApi } from '@govdesk/shared';
import { DomainError } from '../domain-error.ts';
import type { Feature } from '../feature.ts';

/** The organisation directory: the caller as it knows them (GET /api/directory/me), and search (GET /api/directory/search). */
export const directoryFeature: Feature = {
  name: 'directory',
  setup({ api, directory }) {
    api.serve(directoryApi, {
      me: async ({ principal }) => {
        const person = directory.person(principal.userId);
        return { person, units: person.class === 'civil_servant' ? directory.unitChain(person.unitId) : [] };
      },
      search: async ({ principal, url }) => {
        const query = (url.searchParams.get('q') ?? '').trim();
        const limitText = url.searchParams.get('limit');
        const limit = limitText === null ? 50 : Number(limitText);
        if (query === '' || Array.from(query).length > DIRECTORY_QUERY_MAX) throw new DomainError('invalid_request', `q must be 1 to ${DIRECTORY_QUERY_MAX} characters`);
        if (!Number.isInteger(limit) || limit < 1 || limit > DIRECTORY_RESULTS_MAX) throw new DomainError('invalid_request', `limit must be an integer from 1 to ${DIRECTORY_RESULTS_MAX}`);
        return directory.search(principal.userId, query, limit);
      },
    });
  },
};
