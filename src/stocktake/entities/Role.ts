import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

@Entity("role")
export class Role {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "varchar", length: 40, unique: true })
  name: string;

  @Column({ type: "text", nullable: true })
  description: string | null;
}
