import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { Item } from "./Item";
import { Recipe } from "./Recipe";
import { quantity } from "./columns";

@Entity("recipeIngredient")
export class RecipeIngredient {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: "integer" })
  recipeId: number;

  @ManyToOne(() => Recipe, (recipe) => recipe.ingredients, { onDelete: "CASCADE", nullable: false })
  @JoinColumn({ name: "recipeId" })
  recipe: Recipe;

  @Column({ type: "integer" })
  itemId: number;

  @ManyToOne(() => Item, { nullable: false })
  @JoinColumn({ name: "itemId" })
  item: Item;

  @Column(quantity())
  quantity: string;
}
