import { syncApi } from '@govdesk/shared';
import type { SessionService } from '../auth/sessions.ts';
import { registerRoute } from '../http/api.ts';
import type { Router } from '../http/router.ts';
import type { DirectoryService } from './directory-service.ts';

export function registerDirectoryRoutes(router: Router, sessions: SessionService, directory: DirectoryService, maxBodyBytes: number): void {
  registerRoute(router, sessions, maxBodyBytes, syncApi.me, async ({ principal }) => {
    const person = directory.person(principal.userId);
    return { person, units: person.class === 'civil_servant' ? directory.unitChain(person.unitId) : [] };
  });
}
