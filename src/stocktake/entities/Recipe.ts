import {
  Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn,
  VersionColumn,
} from "typeorm";
import { Item } from "./Item";
import { RecipeIngredient } from "./RecipeIngredient";
import { quantity } from "./columns";

@Entity("recipe")
export class Recipe {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "varchar", length: 120 })
  name: string;

  @Column({ type: "integer" })
  outputItemId: number;

  @ManyToOne(() => Item, { nullable: false })
  @JoinColumn({ name: "outputItemId" })
  outputItem: Item;

  @Column(quantity())
  yieldQuantity: string;

  /** Method steps, free-form: a JSON document in a text column on both engines. */
  @Column({ type: "simple-json", nullable: true })
  steps: string[] | null;

  @Column({ type: "boolean", default: true })
  isActive: boolean;

  @OneToMany(() => RecipeIngredient, (ingredient) => ingredient.recipe)
  ingredients: RecipeIngredient[];

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;

  @VersionColumn()
  version: number;
}
