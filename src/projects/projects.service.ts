import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type FindOptionsWhere, QueryFailedError, Repository } from 'typeorm';

import { ChangeFeed } from '../platform/cache/change-feed.service';
import { ReadCache } from '../platform/cache/read-cache';
import { keysetPage } from '../platform/pagination/keyset';
import { USER_KIND } from '../users/users.service';
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

interface NewProject {
  ownerId: string;
  name: string;
  description?: string;
}

type ProjectPatch = Partial<Pick<NewProject, 'name' | 'description'>>;

export interface ProjectPage {
  items: ProjectView[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
const NAME_MAX = 100;
const DESCRIPTION_MAX = 2000;

/** Change-feed kind `projects:<owner id>`: some project of that owner was created, changed or deleted. */
const PROJECTS_KIND = 'projects';
const PAGE_CACHE_TTL_MS = 30_000;
const PAGE_CACHE_SIZE = 10_000;
/**
 * Pages hold up to 100 projects of up to ~2,100 characters each, so a count bound alone could pin
 * gigabytes; the cache also keeps the (approximate) bytes of all cached pages under this budget.
 */
const PAGE_CACHE_BYTES = 64 * 1024 * 1024;
const ALL_GROUP = 'all';

/** A cached page's group: every page one write can change is dropped together. */
function ownerGroup(ownerId: string): string {
  // UUIDs compare case-insensitively in PostgreSQL; a service may send an upper-case owner_id.
  return `owner:${ownerId.toLowerCase()}`;
}

/** Rough heap size of a page (UTF-16 strings plus per-object overhead): enough for a memory budget. */
function pageBytes(page: ProjectPage): number {
  let bytes = 200 + (page.nextCursor?.length ?? 0) * 2;
  for (const p of page.items) bytes += 400 + (p.name.length + p.description.length) * 2;
  return bytes;
}

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

/**
 * The sample protected resource. Another owner's project is reported as not found (never 403).
 *
 * List pages are cached (GET /v1/projects is a hot read path and its query costs more CPU than the rest
 * of the request). That is safe because every write to the projects table goes through this service and
 * invalidates after it committed — the writer's pages and the service-wide ('all') pages, here at once
 * and on other instances/workers through the change feed — and because a user's row change (or a future
 * deletion, which cascades to projects) is published as `user:<id>`, which drops that owner's pages too.
 * Only a write made outside the app (by hand in SQL) is seen late, within PAGE_CACHE_TTL_MS.
 */
@Injectable()
export class ProjectsService implements OnModuleInit {
  /** Pages by access scope + limit + cursor, grouped by scope (one owner's pages, or 'all'). */
  private readonly pages = new ReadCache<ProjectPage>({
    name: 'project_pages',
    ttlMs: PAGE_CACHE_TTL_MS,
    maxEntries: PAGE_CACHE_SIZE,
    maxWeight: PAGE_CACHE_BYTES,
    weigh: pageBytes,
  });

  constructor(
    @InjectRepository(Project) private readonly projects: Repository<Project>,
    private readonly feed: ChangeFeed,
  ) {}

  async onModuleInit(): Promise<void> {
    const drop = (ownerId: string): void => this.dropPages(ownerId);
    await this.feed.onInvalidate(PROJECTS_KIND, drop);
    await this.feed.onInvalidate(USER_KIND, drop);
    // Invalidations published while Redis was down are lost (pub/sub is at-most-once): start afresh.
    this.feed.onResume(() => this.pages.clear());
  }

  /**
   * Newest first, keyset-paginated on (created_at, id) — the IDX_projects_owner_created index. Served
   * from the page cache when possible (see the class comment); a page loaded while an invalidation ran
   * is not cached (ReadCache's epoch), so a write is never hidden by a read that raced it.
   */
  async list(access: ProjectAccess, page: { limit?: number; cursor?: string } = {}): Promise<ProjectPage> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new InvalidProjectField('limit', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    const group = access.kind === 'owner' ? ownerGroup(access.userId) : ALL_GROUP;
    const { cursor } = page;
    const key = `${group}|${limit}|${cursor ?? ''}`;
    // The cursor is decoded only on a miss: a cached page was keyed by the same cursor string.
    const loaded = await this.pages.getOrLoad(key, () => this.loadPage(access, limit, cursor), group);
    // Never null: a load always yields a page (possibly empty), which is cached like any other.
    return loaded!;
  }

  private async loadPage(
    access: ProjectAccess,
    limit: number,
    cursor: string | undefined,
  ): Promise<ProjectPage> {
    const qb = this.projects.createQueryBuilder('p');
    if (access.kind === 'owner') qb.andWhere('p.owner_id = :ownerId', { ownerId: access.userId });
    const { items, nextCursor } = await keysetPage(qb, 'p', { limit, cursor });
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
      this.feed.invalidate(PROJECTS_KIND, saved.ownerId);
      return view(saved);
    } catch (error) {
      // 23503 foreign_key_violation: owner_id names no user (a client's input, or the user was just deleted).
      if (isPgError(error, '23503')) {
        throw new InvalidProjectField('owner_id', 'must be the id of an existing user');
      }
      throw error;
    }
  }

  async update(access: ProjectAccess, id: string, patch: ProjectPatch): Promise<ProjectView> {
    const changes: Partial<Pick<Project, 'name' | 'description'>> = {};
    if (patch.name !== undefined) changes.name = checkName(patch.name);
    if (patch.description !== undefined) changes.description = checkDescription(patch.description);
    if (Object.keys(changes).length > 0) {
      // One conditional UPDATE: the ownership check and the write cannot be split by a concurrent change.
      // RETURNING owner_id: a service ('all') changes any owner's project, and that owner's pages go stale.
      const result = await this.projects
        .createQueryBuilder()
        .update(Project)
        .set(changes)
        .where(this.scoped(access, id))
        .returning('owner_id')
        .execute();
      if (!result.affected) throw new ProjectNotFound();
      this.changed(result.raw as { owner_id: string }[]);
    }
    return this.get(access, id);
  }

  async delete(access: ProjectAccess, id: string): Promise<void> {
    const result = await this.projects
      .createQueryBuilder()
      .delete()
      .from(Project)
      .where(this.scoped(access, id))
      .returning('owner_id')
      .execute();
    if (!result.affected) throw new ProjectNotFound();
    this.changed(result.raw as { owner_id: string }[]);
  }

  /** After a committed write: drop the owners' pages here at once and everywhere else via the feed. */
  private changed(rows: { owner_id: string }[]): void {
    for (const ownerId of new Set(rows.map((r) => r.owner_id))) this.feed.invalidate(PROJECTS_KIND, ownerId);
  }

  private dropPages(ownerId: string): void {
    this.pages.deleteGroup(ownerGroup(ownerId));
    // Service-wide listings contain every owner's projects.
    this.pages.deleteGroup(ALL_GROUP);
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
