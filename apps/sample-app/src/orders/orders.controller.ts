import { Body, Controller, Inject, Logger, Post } from '@nestjs/common';
import { CurrentPrincipal, RequireScopes } from 'nestjs-honeybee-auth';
import { PartnersApiClient } from '../honeybee/partners-api.client.js';
import type { Order, OrderRequest } from '../honeybee/partners-api.client.js';
import { CreateOrderPipe } from './create-order.pipe.js';

/** Places orders with Honeybee on behalf of callers that hold `orders:write`. */
@Controller('orders')
export class OrdersController {
  private readonly logger = new Logger('Orders');

  constructor(@Inject(PartnersApiClient) private readonly partners: PartnersApiClient) {}

  /** `POST /orders`: 201 with Honeybee's order; 400 on a bad body; 422 when Honeybee refuses it. */
  @Post()
  @RequireScopes('orders:write')
  async create(
    @Body(CreateOrderPipe) order: OrderRequest,
    @CurrentPrincipal('clientId') caller: string,
  ): Promise<Order> {
    const created = await this.partners.createOrder(order);
    this.logger.log(`${caller} created order ${created.id} for patient ${order.patient_id}`);
    return created;
  }
}
