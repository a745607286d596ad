import { Entity, PrimaryColumn } from 'typeorm';
import { BoolColumn, IdColumn, InstantColumn, IntColumn, TextColumn } from '../columns.js';

export const ROLES = ['admin', 'finance', 'reviewer', 'client'] as const;
export type Role = (typeof ROLES)[number];

/**
 * A person who signs in to the web app or calls the API. `tenantId` null means every tenant;
 * a client user is bound to one tenant and one customer of that tenant.
 */
@Entity('users')
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** Lower-cased; unique. */
  @TextColumn(254)
  email: string;

  @TextColumn(200, { nullable: true })
  displayName: string | null;

  /** argon2id PHC string. */
  @TextColumn(255)
  passwordHash: string;

  @TextColumn(20)
  role: Role;

  @IdColumn({ nullable: true })
  tenantId: string | null;

  @IdColumn({ nullable: true })
  customerId: string | null;

  /** Set for generated one-time passwords: the user must choose a new one before anything else. */
  @BoolColumn()
  mustChangePassword: boolean;

  @BoolColumn()
  disabled: boolean;

  @InstantColumn({ nullable: true })
  lastLoginAt: Date | null;

  @InstantColumn()
  createdAt: Date;

  @InstantColumn()
  updatedAt: Date;
}

/** Failed sign-ins per (account, client address) key: drives the delay and the lock-out. */
@Entity('user_login_attempts')
export class UserLoginAttempt {
  /** SHA-256 of "email|ip". */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  @IntColumn()
  failures: number;

  @InstantColumn({ nullable: true })
  lockedUntil: Date | null;

  @InstantColumn()
  updatedAt: Date;
}
