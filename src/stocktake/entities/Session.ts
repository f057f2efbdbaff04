import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { User } from "./User";
import { instant } from "./columns";

/**
 * A leaf table (nothing references it), so `clear()` may empty it: on
 * PostgreSQL that is a TRUNCATE, which a foreign key would forbid.
 */
@Entity("session")
export class Session {
  /** uuid on PostgreSQL; varchar(36) on SQLite, where TypeORM generates the value itself. */
  @PrimaryGeneratedColumn("uuid")
  id: string;

  @Column({ type: "integer" })
  userId: number;

  @ManyToOne(() => User, { onDelete: "CASCADE", nullable: false })
  @JoinColumn({ name: "userId" })
  user: User;

  @Column({ type: "varchar", length: 64, unique: true })
  token: string;

  @Column({ type: "varchar", length: 45, nullable: true })
  ipAddress: string | null;

  @Column({ type: "text", nullable: true })
  userAgent: string | null;

  @Column(instant())
  expiresAt: Date;

  @CreateDateColumn()
  createdAt: Date;
}
