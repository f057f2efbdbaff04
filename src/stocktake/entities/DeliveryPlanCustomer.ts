import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from "typeorm";
import { Customer } from "./Customer";
import { DeliveryPlan } from "./DeliveryPlan";
import { instant } from "./columns";

/** A stop on a delivery run; the composite key says a customer is visited once per run. */
@Entity("deliveryPlanCustomer")
export class DeliveryPlanCustomer {
  @PrimaryColumn({ type: "integer" })
  deliveryPlanId: number;

  @PrimaryColumn({ type: "integer" })
  customerId: number;

  @ManyToOne(() => DeliveryPlan, (plan) => plan.stops, { onDelete: "CASCADE" })
  @JoinColumn({ name: "deliveryPlanId" })
  deliveryPlan: DeliveryPlan;

  @ManyToOne(() => Customer)
  @JoinColumn({ name: "customerId" })
  customer: Customer;

  @Column({ type: "integer" })
  stopNumber: number;

  @Column(instant({ nullable: true }))
  eta: Date | null;
}
