import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { QueryFailedError, Repository } from 'typeorm';

import { ChangeFeed } from '../platform/cache/change-feed.service';
import { ReadCache } from '../platform/cache/read-cache';
import { keysetPage, type Page, type PageRequest } from '../platform/pagination/keyset';
import { passwordProblem } from './password-policy';
import { User } from './user.entity';
import { EmailTaken, InvalidDisplayName, InvalidEmail, WeakPassword } from './users.errors';

/** OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

// Pragmatic RFC 5321 shape check: one @, no spaces, a dot in the domain; the mailbox proves the rest.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

/** What other modules see of a user: never the hash. */
export interface UserView {
  id: string;
  email: string;
  displayName: string;
  /** The address was confirmed through a link sent to it. */
  emailVerified: boolean;
  createdAt: Date;
  /** OIDC Core §5.1 `updated_at`: the last change to the profile. */
  updatedAt: Date;
  /** Null or absent while enabled. */
  disabledAt?: Date | null;
}

/** Fields a user may change about themselves (the password has its own path and is not in the view). */
interface UserProfilePatch {
  email?: string;
  displayName?: string;
}

/**
 * Change-feed kind `user:<id>`: a user's row changed. UsersService drops its cached view; the projects
 * cache drops that owner's pages too (a deleted user's projects are deleted by cascade).
 */
export const USER_KIND = 'user';
export const USER_CACHE_TTL_MS = 30_000;
const USER_CACHE_SIZE = 10_000;

interface NewUser {
  email: string;
  password: string;
  displayName?: string;
}

function view(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    emailVerified: user.emailVerified,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    disabledAt: user.disabledAt ?? null,
  };
}

function checkEmail(raw: string): string {
  const email = raw.trim();
  if (email.length > 254 || !EMAIL.test(email)) throw new InvalidEmail();
  return email;
}

function checkDisplayName(raw: string): string {
  const displayName = raw.trim();
  if (displayName.length < 1 || displayName.length > 100) throw new InvalidDisplayName();
  return displayName;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}

/**
 * Accounts. Every write to the users table goes through this service (the HTTP app, the console and the
 * admin CLI all call it), and every write that changes the cached view invalidates it through the
 * change feed — so `findById`, the hot path of GET /v1/user and of every console page, can serve from
 * memory. A change made to the table outside this code is seen within USER_CACHE_TTL_MS.
 *
 * Deleting publishes `user:<id>` too (the projects cache listens for it: projects cascade); the user's
 * authorizations and API keys, whose caches are keyed by them, are revoked first by AccountDeletion.
 */
@Injectable()
export class UsersService implements OnModuleInit {
  /** Hash verified when the email is unknown, so both paths cost one argon2 verification. */
  private dummyHash = '';
  /** The public view by id (never the password hash). Unknown ids are not cached. */
  private readonly cache = new ReadCache<UserView>({
    name: 'users',
    ttlMs: USER_CACHE_TTL_MS,
    maxEntries: USER_CACHE_SIZE,
  });

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly feed: ChangeFeed,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.feed.onInvalidate(USER_KIND, (id) => this.cache.delete(id));
    // Invalidations published while Redis was down are lost (pub/sub is at-most-once): start afresh.
    this.feed.onResume(() => this.cache.clear());
    this.dummyHash = await argon2.hash('not-a-real-password-just-timing', ARGON2_OPTIONS);
  }

  /** A new id cannot be in any cache (misses are not cached): nothing to invalidate. */
  async create(input: NewUser): Promise<UserView> {
    const email = checkEmail(input.email);
    const problem = passwordProblem(input.password, email);
    if (problem) throw new WeakPassword(problem);
    const displayName = checkDisplayName(input.displayName ?? email.split('@')[0]);

    if (await this.findByEmail(email)) throw new EmailTaken();
    const passwordHash = await argon2.hash(input.password, ARGON2_OPTIONS);
    try {
      const saved = await this.users.save(this.users.create({ email, displayName, passwordHash }));
      return view(saved);
    } catch (error) {
      // A concurrent sign-up with the same email loses the race at the unique index (23505).
      if (isUniqueViolation(error)) throw new EmailTaken();
      throw error;
    }
  }

  /**
   * An account made by a first sign-in at an upstream provider: no password (an unusable empty hash) until
   * the user sets one through password reset; `emailVerified` only when the provider said so.
   */
  async createFederated(input: {
    email: string;
    displayName?: string;
    emailVerified: boolean;
  }): Promise<UserView> {
    const email = checkEmail(input.email);
    const displayName = checkDisplayName(input.displayName?.trim() || email.split('@')[0]);
    if (await this.findByEmail(email)) throw new EmailTaken();
    try {
      const saved = await this.users.save(
        this.users.create({ email, displayName, passwordHash: '', emailVerified: input.emailVerified }),
      );
      return view(saved);
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTaken();
      throw error;
    }
  }

  /** Whether the account can sign in with a password (one made upstream has none until it sets one). */
  async hasPassword(id: string): Promise<boolean> {
    const user = await this.users.findOne({ where: { id }, select: { id: true, passwordHash: true } });
    return !!user?.passwordHash;
  }

  /**
   * Changes a user's email and/or display name; null when there is no such user. The cached view is
   * dropped after the write, here at once and on other instances/workers through the change feed.
   */
  async updateProfile(id: string, patch: UserProfilePatch): Promise<UserView | null> {
    const changes: Partial<Pick<User, 'email' | 'displayName' | 'emailVerified'>> = {};
    if (patch.email !== undefined) changes.email = checkEmail(patch.email);
    if (patch.displayName !== undefined) changes.displayName = checkDisplayName(patch.displayName);
    if (Object.keys(changes).length === 0) return this.findById(id);
    if (changes.email !== undefined) {
      const holder = await this.byEmail(changes.email);
      if (holder && holder.id !== id) throw new EmailTaken();
      // A new address is unconfirmed until a link sent to it is followed (a change of case is not new).
      if (holder?.id !== id) changes.emailVerified = false;
    }
    let affected: number | undefined;
    try {
      ({ affected } = await this.users.update({ id }, changes));
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTaken();
      throw error;
    }
    if (!affected) return null;
    this.feed.invalidate(USER_KIND, id);
    return this.findById(id);
  }

  /** Served from memory after the first read (see the class comment for why that is safe). */
  async findById(id: string): Promise<UserView | null> {
    return this.cache.getOrLoad(id, async () => {
      const user = await this.users.findOneBy({ id });
      return user ? view(user) : null;
    });
  }

  async findByEmail(email: string): Promise<UserView | null> {
    const user = await this.byEmail(email);
    return user ? view(user) : null;
  }

  private byEmail(email: string): Promise<User | null> {
    if (email.length > 254) return Promise.resolve(null);
    return this.users
      .createQueryBuilder('u')
      .where('lower(u.email) = lower(:email)', { email: email.trim() })
      .getOne();
  }

  /** Checks an email for shape and availability, as a change to it would (before sending a link to it). */
  async checkNewEmail(id: string, raw: string): Promise<string> {
    const email = checkEmail(raw);
    const holder = await this.byEmail(email);
    if (holder && holder.id !== id) throw new EmailTaken();
    return email;
  }

  /**
   * The address was proven by a link sent to it: it becomes the account's email (an email change takes
   * effect only now) and is marked verified. EmailTaken when another account took it in the meantime.
   */
  async confirmEmail(id: string, email: string): Promise<UserView | null> {
    const holder = await this.byEmail(email);
    if (holder && holder.id !== id) throw new EmailTaken();
    let affected: number | undefined;
    try {
      ({ affected } = await this.users.update({ id }, { email, emailVerified: true }));
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTaken();
      throw error;
    }
    if (!affected) return null;
    this.feed.invalidate(USER_KIND, id);
    return this.findById(id);
  }

  /** Sets a new password (the policy applies); false when there is no such user. */
  async setPassword(id: string, password: string): Promise<boolean> {
    const user = await this.users.findOneBy({ id });
    if (!user) return false;
    const problem = passwordProblem(password, user.email);
    if (problem) throw new WeakPassword(problem);
    const passwordHash = await argon2.hash(password, ARGON2_OPTIONS);
    const { affected } = await this.users.update({ id }, { passwordHash });
    this.feed.invalidate(USER_KIND, id);
    return !!affected;
  }

  /** Re-authentication for sensitive changes: one argon2 verification whether or not the user exists. */
  async verifyPassword(id: string, password: string): Promise<boolean> {
    const user = await this.users.findOneBy({ id });
    const candidate = password.length <= 1024 ? password : '';
    const ok = await argon2.verify(user?.passwordHash || this.dummyHash, candidate).catch(() => false);
    return ok && !!user?.passwordHash;
  }

  async count(): Promise<number> {
    return this.users.count();
  }

  /** Operators: every account, newest first, one keyset page at a time. */
  async listAll(page: PageRequest): Promise<Page<UserView>> {
    const { items, nextCursor } = await keysetPage(this.users.createQueryBuilder('u'), 'u', page);
    return { items: items.map(view), nextCursor };
  }

  /**
   * Operators: a disabled account cannot sign in (its sign-in fails like a wrong password) until it is
   * enabled again. Ending its sessions and revoking what it holds is the caller's part (AdminUsers).
   * Null when there is no such user.
   */
  async setDisabled(id: string, disabled: boolean): Promise<UserView | null> {
    const { affected } = await this.users.update({ id }, { disabledAt: disabled ? new Date() : null });
    if (!affected) return null;
    this.feed.invalidate(USER_KIND, id);
    return this.findById(id);
  }

  /**
   * Deletes the account; its projects, API keys, sessions, authorizations and apps go by cascade.
   * Publishes `user:<id>` so every cached view (the user's, the projects pages) is dropped everywhere.
   */
  async delete(id: string): Promise<boolean> {
    const { affected } = await this.users.delete({ id });
    this.feed.invalidate(USER_KIND, id);
    return !!affected;
  }

  /**
   * Returns the user when email and password match, otherwise null — with one argon2 verification on
   * every path, so response time does not reveal whether the email is registered.
   */
  async verifyCredentials(email: string, password: string): Promise<UserView | null> {
    const user = await this.byEmail(email);
    // Bound the work an attacker can make us do with a huge password.
    const candidate = password.length <= 1024 ? password : '';
    const ok = await argon2.verify(user?.passwordHash || this.dummyHash, candidate).catch(() => false);
    // A disabled account answers like a wrong password: sign-in tells nobody which accounts exist.
    return ok && user?.passwordHash && !user.disabledAt ? view(user) : null;
  }
}
