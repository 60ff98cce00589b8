import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { QueryFailedError, Repository } from 'typeorm';
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
  createdAt: Date;
}

export interface NewUser {
  email: string;
  password: string;
  displayName?: string;
}

function view(user: User): UserView {
  return { id: user.id, email: user.email, displayName: user.displayName, createdAt: user.createdAt };
}

@Injectable()
export class UsersService implements OnModuleInit {
  /** Hash verified when the email is unknown, so both paths cost one argon2 verification. */
  private dummyHash = '';

  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await argon2.hash('not-a-real-password-just-timing', ARGON2_OPTIONS);
  }

  async create(input: NewUser): Promise<UserView> {
    const email = input.email.trim();
    if (email.length > 254 || !EMAIL.test(email)) throw new InvalidEmail();
    const problem = passwordProblem(input.password, email);
    if (problem) throw new WeakPassword(problem);
    const displayName = (input.displayName ?? email.split('@')[0]).trim();
    if (displayName.length < 1 || displayName.length > 100) throw new InvalidDisplayName();

    if (await this.findByEmail(email)) throw new EmailTaken();
    const passwordHash = await argon2.hash(input.password, ARGON2_OPTIONS);
    try {
      const saved = await this.users.save(this.users.create({ email, displayName, passwordHash }));
      return view(saved);
    } catch (error) {
      // A concurrent sign-up with the same email loses the race at the unique index (23505).
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new EmailTaken();
      }
      throw error;
    }
  }

  async findById(id: string): Promise<UserView | null> {
    const user = await this.users.findOneBy({ id });
    return user ? view(user) : null;
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

  async count(): Promise<number> {
    return this.users.count();
  }

  /**
   * Returns the user when email and password match, otherwise null — with one argon2 verification on
   * every path, so response time does not reveal whether the email is registered.
   */
  async verifyCredentials(email: string, password: string): Promise<UserView | null> {
    const user = await this.byEmail(email);
    // Bound the work an attacker can make us do with a huge password.
    const candidate = password.length <= 1024 ? password : '';
    const ok = await argon2.verify(user?.passwordHash ?? this.dummyHash, candidate).catch(() => false);
    return ok && user ? view(user) : null;
  }
}
