import {
  Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn,
  VersionColumn,
} from "typeorm";
import { Store } from "./Store";
import { instant } from "./columns";

/** Table `user`: a reserved word on PostgreSQL, which is why it is kept. */
@Entity("user")
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  /** Indexed, not unique: duplicate usernames are an integrity finding. */
  @Index()
  @Column({ type: "varchar", length: 60 })
  username: string;

  @Column({ type: "varchar", length: 160 })
  email: string;

  @Column({ type: "varchar", length: 100 })
  passwordHash: string;

  @Column({ type: "varchar", length: 120, nullable: true })
  displayName: string | null;

  @Column({ type: "boolean", default: true })
  isActive: boolean;

  @Column(instant({ nullable: true }))
  lastLoginAt: Date | null;

  @Column({ type: "integer", nullable: true })
  homeStoreId: number | null;

  @ManyToOne(() => Store, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "homeStoreId" })
  homeStore: Store | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @VersionColumn()
  version: number;
}
