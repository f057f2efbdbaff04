import { CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { Permission } from "./Permission";
import { Role } from "./Role";

/** An explicit junction entity with a composite key (unlike item_supplier, which TypeORM owns). */
@Entity("rolePermission")
export class RolePermission {
  @PrimaryColumn({ type: "integer" })
  roleId: number;

  @PrimaryColumn({ type: "integer" })
  permissionId: number;

  @ManyToOne(() => Role, { onDelete: "CASCADE" })
  @JoinColumn({ name: "roleId" })
  role: Role;

  @ManyToOne(() => Permission, { onDelete: "CASCADE" })
  @JoinColumn({ name: "permissionId" })
  permission: Permission;

  @CreateDateColumn()
  grantedAt: Date;
}
