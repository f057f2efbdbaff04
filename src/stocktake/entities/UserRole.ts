import { CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { Role } from "./Role";
import { User } from "./User";

@Entity("userRole")
export class UserRole {
  @PrimaryColumn({ type: "integer" })
  userId: number;

  @PrimaryColumn({ type: "integer" })
  roleId: number;

  @ManyToOne(() => User, { onDelete: "CASCADE" })
  @JoinColumn({ name: "userId" })
  user: User;

  @ManyToOne(() => Role, { onDelete: "CASCADE" })
  @JoinColumn({ name: "roleId" })
  role: Role;

  @CreateDateColumn()
  assignedAt: Date;
}
