import { Category } from "./Category";
import { Customer } from "./Customer";
import { DeliveryItem } from "./DeliveryItem";
import { DeliveryPlan } from "./DeliveryPlan";
import { DeliveryPlanCustomer } from "./DeliveryPlanCustomer";
import { Item } from "./Item";
import { Order } from "./Order";
import { OrderItem } from "./OrderItem";
import { Permission } from "./Permission";
import { Production } from "./Production";
import { ProductionIngredient } from "./ProductionIngredient";
import { Recipe } from "./Recipe";
import { RecipeIngredient } from "./RecipeIngredient";
import { Role } from "./Role";
import { RolePermission } from "./RolePermission";
import { Session } from "./Session";
import { Stocktake } from "./Stocktake";
import { StocktakeItem } from "./StocktakeItem";
import { Store } from "./Store";
import { StoreInventory } from "./StoreInventory";
import { Supplier } from "./Supplier";
import { User } from "./User";
import { UserRole } from "./UserRole";

export {
  Category, Customer, DeliveryItem, DeliveryPlan, DeliveryPlanCustomer, Item, Order, OrderItem, Permission,
  Production, ProductionIngredient, Recipe, RecipeIngredient, Role, RolePermission, Session, Stocktake,
  StocktakeItem, Store, StoreInventory, Supplier, User, UserRole,
};

/** All 23 entity classes (the item_supplier junction is TypeORM's, declared on Item.suppliers). */
export const stocktakeEntities = [
  Category, Item, Store, StoreInventory, Customer, Supplier, User, Role, Permission, RolePermission, UserRole,
  Session, Recipe, RecipeIngredient, Stocktake, StocktakeItem, DeliveryPlan, DeliveryPlanCustomer, DeliveryItem,
  Order, OrderItem, Production, ProductionIngredient,
];
