import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity("store")
export class Store {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "varchar", length: 80 })
  name: string;

  @Column({ type: "varchar", length: 12, unique: true })
  code: string;

  @Column({ type: "text", nullable: true })
  address: string | null;

  @Column({ type: "varchar", length: 40 })
  timezone: string;

  /** A calendar date, no time: both drivers read it back as 'YYYY-MM-DD'. */
  @Column({ type: "date" })
  openedOn: string;

  @Column({ type: "boolean", default: true })
  isActive: boolean;

  @CreateDateColumn()
  createdAt: Date;
}
