import { randomUUID } from 'node:crypto';

import type { INestApplicationContext } from '@nestjs/common';

import { ProjectsService, type ProjectView } from '../../src/projects/projects.service';

/** A project owned by a user, created through the service. */
export async function createProject(
  app: INestApplicationContext,
  ownerId: string,
  overrides: { name?: string; description?: string } = {},
): Promise<ProjectView> {
  return app.get(ProjectsService).create({
    ownerId,
    name: overrides.name ?? `project ${randomUUID().slice(0, 8)}`,
    description: overrides.description,
  });
}
