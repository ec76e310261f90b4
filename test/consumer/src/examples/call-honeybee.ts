// Calling Honeybee with HoneybeeHttpService: per-request scopes, no token, errors.
import { Injectable, Logger, Module } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import {
  HoneybeeAuthModule,
  HoneybeeHttpService,
  requestIdOf,
  retryAfterOf,
} from 'nestjs-honeybee-auth';
import { firstValueFrom } from 'rxjs';

interface Order {
  id: string;
  status: string;
}

@Injectable()
export class OrdersClient {
  private readonly logger = new Logger(OrdersClient.name);

  constructor(private readonly honeybee: HoneybeeHttpService) {}

  async rx(patientId: string): Promise<unknown> {
    const { data } = await firstValueFrom(
      this.honeybee.get(`/patients/${patientId}/rx`),
    );
    return data;
  }

  async place(order: Record<string, unknown>): Promise<Order> {
    // A token with other scopes (cached separately; default: the module's `scopes`).
    const res: AxiosResponse<Order> = await firstValueFrom(
      this.honeybee.post<Order>('/orders', order, {
        honeybee: { scopes: ['orders:write'] },
      }),
    );
    return res.data;
  }

  async status(): Promise<unknown> {
    // No token at all, even to an allowed origin.
    const { data } = await firstValueFrom(
      this.honeybee.get('/status', { honeybee: { authorize: false } }),
    );
    return data;
  }

  async order(id: string): Promise<Order> {
    try {
      const { data } = await firstValueFrom(
        this.honeybee.get<Order>(`/orders/${id}`),
      );
      return data;
    } catch (err) {
      this.logger.error(
        `Honeybee order lookup failed (X-Request-Id ${requestIdOf(err)}, Retry-After ${retryAfterOf(err)})`,
      );
      throw err;
    }
  }
}

@Module({
  imports: [
    HoneybeeAuthModule.forRoot({
      clientId: process.env.HONEYBEE_CLIENT_ID!,
      clientSecret: process.env.HONEYBEE_CLIENT_SECRET!,
    }),
  ],
  providers: [OrdersClient],
})
export class OrdersModule {}
