import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository, type FindOptionsWhere } from 'typeorm';
import { decodeCursor, encodeCursor } from './project-cursor';
import { Project } from './project.entity';
import { InvalidProjectField, ProjectNotFound } from './projects.errors';

/** What leaves this module: a plain copy of the row. */
export interface ProjectView {
  id: string;
  ownerId: string;
  name: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Which projects a caller may see and change. `owner`: a user (through a token, key or session) — only
 * their own. `all`: an internal service (client_credentials) holding the scope.
 */
export type ProjectAccess = { kind: 'owner'; userId: string } | { kind: 'all' };

export interface NewProject {
  ownerId: string;
  name: string;
  description?: string;
}

export type ProjectPatch = Partial<Pick<NewProject, 'name' | 'description'>>;

export interface ProjectPage {
  items: ProjectView[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
const NAME_MAX = 100;
const DESCRIPTION_MAX = 2000;

function view(p: Project): ProjectView {
  return {
    id: p.id,
    ownerId: p.ownerId,
    name: p.name,
    description: p.description,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

function isPgError(error: unknown, code: string): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === code;
}

/** The sample protected resource. Another owner's project is reported as not found (never 403). */
@Injectable()
export class ProjectsService {
  constructor(@InjectRepository(Project) private readonly projects: Repository<Project>) {}

  /** Newest first, keyset-paginated on (created_at, id) — the IDX_projects_owner_created index. */
  async list(access: ProjectAccess, page: { limit?: number; cursor?: string } = {}): Promise<ProjectPage> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new InvalidProjectField('limit', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
    if (after === null) throw new InvalidProjectField('cursor', 'is not a cursor returned by this API');

    const qb = this.projects
      .createQueryBuilder('p')
      // The exact (microsecond) position, for the cursor; see project-cursor.ts.
      .addSelect(
        `to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        'cursor_created_at',
      )
      .orderBy('p.created_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      // One extra row tells whether another page exists without a COUNT.
      .limit(limit + 1);
    if (access.kind === 'owner') qb.andWhere('p.owner_id = :ownerId', { ownerId: access.userId });
    if (after) {
      qb.andWhere('(p.created_at, p.id) < (CAST(:afterCreatedAt AS timestamptz), CAST(:afterId AS uuid))', {
        afterCreatedAt: after.createdAt,
        afterId: after.id,
      });
    }
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_created_at: string }>();
    const items = entities.slice(0, limit);
    const last = items.at(-1);
    const nextCursor =
      entities.length > limit && last
        ? encodeCursor({ createdAt: raw[items.length - 1].cursor_created_at, id: last.id })
        : null;
    return { items: items.map(view), nextCursor };
  }

  async get(access: ProjectAccess, id: string): Promise<ProjectView> {
    const project = await this.projects.findOne({ where: this.scoped(access, id) });
    if (!project) throw new ProjectNotFound();
    return view(project);
  }

  async create(input: NewProject): Promise<ProjectView> {
    const name = checkName(input.name);
    const description = checkDescription(input.description ?? '');
    try {
      const saved = await this.projects.save(
        this.projects.create({ ownerId: input.ownerId, name, description }),
      );
      return view(saved);
    } catch (error) {
      // 23503 foreign_key_violation: owner_id names no user (a client's input, or the user was just deleted).
      if (isPgError(error, '23503'))
        throw new InvalidProjectField('owner_id', 'must be the id of an existing user');
      throw error;
    }
  }

  async update(access: ProjectAccess, id: string, patch: ProjectPatch): Promise<ProjectView> {
    const changes: Partial<Pick<Project, 'name' | 'description'>> = {};
    if (patch.name !== undefined) changes.name = checkName(patch.name);
    if (patch.description !== undefined) changes.description = checkDescription(patch.description);
    if (Object.keys(changes).length > 0) {
      // One conditional UPDATE: the ownership check and the write cannot be split by a concurrent change.
      const result = await this.projects.update(this.scoped(access, id), changes);
      if (!result.affected) throw new ProjectNotFound();
    }
    return this.get(access, id);
  }

  async delete(access: ProjectAccess, id: string): Promise<void> {
    const result = await this.projects.delete(this.scoped(access, id));
    if (!result.affected) throw new ProjectNotFound();
  }

  private scoped(access: ProjectAccess, id: string): FindOptionsWhere<Project> {
    return access.kind === 'owner' ? { id, ownerId: access.userId } : { id };
  }
}

/** PostgreSQL varchar(n) counts characters (code points), not UTF-16 units: count the same way. */
function characters(value: string): number {
  return [...value].length;
}

function checkName(raw: string): string {
  const name = raw.trim();
  if (characters(name) < 1 || characters(name) > NAME_MAX) {
    throw new InvalidProjectField(
      'name',
      `must be 1 to ${NAME_MAX} characters (surrounding spaces are trimmed)`,
    );
  }
  return name;
}

function checkDescription(description: string): string {
  if (characters(description) > DESCRIPTION_MAX) {
    throw new InvalidProjectField('description', `must be at most ${DESCRIPTION_MAX} characters`);
  }
  return description;
}
