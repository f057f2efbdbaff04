import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity("permission")
export class Permission {
  @PrimaryGeneratedColumn()
  id: number;

  /** e.g. 'inventory.write' */
  @Column({ type: "varchar", length: 60, unique: true })
  code: string;

  @Column({ type: "text", nullable: true })
  description: string | null;
}
