import {
  Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn,
} from "typeorm";
import { ProductionIngredient } from "./ProductionIngredient";
import { Recipe } from "./Recipe";
import { Store } from "./Store";
import { User } from "./User";
import { instant, quantity } from "./columns";

/** A batch cooked from a recipe in a store's kitchen. */
@Entity("production")
export class Production {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "integer" })
  recipeId: number;

  @ManyToOne(() => Recipe, { nullable: false })
  @JoinColumn({ name: "recipeId" })
  recipe: Recipe;

  @Column({ type: "integer" })
  storeId: number;

  @ManyToOne(() => Store, { nullable: false })
  @JoinColumn({ name: "storeId" })
  store: Store;

  @Column(quantity())
  quantityProduced: string;

  @Column(instant())
  producedAt: Date;

  @Column({ type: "integer", nullable: true })
  producedById: number | null;

  @ManyToOne(() => User, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "producedById" })
  producedBy: User | null;

  /** planned | done */
  @Column({ type: "varchar", length: 16, default: "done" })
  status: string;

  @OneToMany(() => ProductionIngredient, (line) => line.production)
  ingredients: ProductionIngredient[];

  @CreateDateColumn()
  createdAt: Date;
}
